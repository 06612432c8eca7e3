"""tracker: follow a policy paper's recommendations against the evidence, year after year."""

__version__ = "0.1.0"
