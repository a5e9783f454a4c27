"""Rota pages, one module per part of the rota: a carer's day and a circle's week (day), open
places, swaps, absences and cover, releases and kept time, availability, engine drafts, and the
client page (client: who is coming).

Thin: each view fetches through rota.access, reads through rota.selectors, writes through one
service in rota.services, and says plainly what happened — or, when a rule stops it, which rule
and why."""
