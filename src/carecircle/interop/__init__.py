"""Interop: onboarding without the admin site, CSV/xlsx import with a dry run, FHIR, calendar
feeds and exports (issue 19)."""
