"""Import and export of use cases: the public AI registers and a generic CSV in, the AI inventory out."""
