"""Customer intelligence after the sale: churn risk, lifetime value, segments, recommendations, next actions."""
