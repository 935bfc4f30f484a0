"""The bad-file corpus: files focal points and attackers really upload, each made here from a valid sample (big ones
are generated, never committed), with the outcome it must end in."""
