"""The foundation every other package stands on: typed records passed between stages, the error
types, and Vietnamese text helpers. Nothing here imports anything of ours (tests/test_layers.py)."""
