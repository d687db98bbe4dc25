"""The training side: the safe skorch nets, the torch boundary, the guard, losses.

The only floor that imports torch and skorch; :mod:`sktorchsafe` resolves these
names on first use.
"""
