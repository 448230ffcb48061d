"""WTForms classes: the shape of input only; every business rule lives in intake.verify."""
