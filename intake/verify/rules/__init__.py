"""The rules, grouped by topic; importing this package registers them all."""

from intake.verify.rules import arithmetic, entity, fields, form, projects

__all__ = ["arithmetic", "entity", "fields", "form", "projects"]
