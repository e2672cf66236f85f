"""Trading rules: signals, sizing, execution, dispatching and the journal. No web framework here."""
