"""Language-model backends behind one streaming protocol, and the fallback chain over them."""
