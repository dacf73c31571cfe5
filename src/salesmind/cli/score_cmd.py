"""Commands of this module are being written (see the scoring issue)."""
