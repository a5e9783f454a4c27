"""Simulation: circle formation for an area and a discrete-event model of circles against a
conventional service, for commissioners (issue 18)."""
