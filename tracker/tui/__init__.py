"""The analyst's workbench: a Textual shell over the core (model, store, scoring, ingest, gitops).

Nothing here decides a score or a file format; every figure and every write comes from the core.
"""
