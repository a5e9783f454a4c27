"""Small shared pieces for every app: the floor just above the engine.

Imports Django and the standard library only, never a project app, so ground, domain and
delivery apps may all use it."""
