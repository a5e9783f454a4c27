"""Navigation entries this app adds for a signed-in person (see web/context.py)."""


def nav_items(request) -> list[tuple[str, str]]:
    return []
