"""Outcomes: check-ins with validated instruments, continuity and responsiveness indices,
recognition, the circle's own review and decisions (issue 16)."""
