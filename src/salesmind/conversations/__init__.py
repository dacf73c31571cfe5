"""Conversation intelligence: call transcripts, call metrics, topics, sentiment, redaction.

Call :func:`import_transcript` to store a WebVTT/SRT/JSON export as a call, :func:`analyse_calls`
to compute and store each call's metrics, topics and sentiment, and :func:`rep_metrics` for per-rep
aggregates.
"""

from salesmind.conversations.service import ANALYSIS_VERSION, RepMetrics, analyse_calls, import_transcript, rep_metrics

__all__ = ["ANALYSIS_VERSION", "RepMetrics", "analyse_calls", "import_transcript", "rep_metrics"]
