"""The SMART App Launch 2.0 assessment app and the demo page, served under ``/app``.

A card whose Wells decision depends on undocumented examination items carries a ``smart`` link
(``cds.smart.link``). The EHR launches the app (``launch`` + ``iss``); the app signs in with
OAuth 2.0 authorization code + PKCE (``cds.smart.launch``), reads the chart through the same
engine the hooks use (``cds.smart.assess``), asks only for what is undocumented, and with write
scope saves one Observation per answer (``cds.smart.answers``). ``/app/demo`` shows the cards for
a fixture bundle without an EHR (only with ``CDS_AUTH=off``).

Nothing here is imported by ``cds.triage`` except ``cds.smart.link`` (the card models and the
settings only), so the rest of this package stays out of the hooks' import graph.
"""
