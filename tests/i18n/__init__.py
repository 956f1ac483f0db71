"""Languages: the catalogs kept complete, and journeys run in the pseudo-language to show
that nothing reaches a person without passing a catalog."""
