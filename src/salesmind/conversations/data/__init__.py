"""The labelled reply set (written and labelled by the developers, see docs/conversations-replies.md)."""
