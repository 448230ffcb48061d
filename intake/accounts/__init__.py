"""User accounts: who may log in, with which role, for which entity or province."""
