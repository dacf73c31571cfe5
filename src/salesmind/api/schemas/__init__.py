"""Request and response schemas, one family (Base, Create, Update, Public) per resource."""
