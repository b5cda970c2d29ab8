"""The tables of revision 0001, one module per seam of the schema; the revision file calls them in
dependency order. Frozen with the revision: a later change to these tables is a new revision, never an
edit here."""
