"""The HTTP face: the only package that knows HTTP."""
