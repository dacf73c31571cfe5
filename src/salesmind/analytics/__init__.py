"""Manager analytics: pipeline, performance, win/loss, discount guidance and territory planning."""
