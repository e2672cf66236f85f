"""Everything that speaks Bitget: signing, REST client, typed errors, parsed models, simulator."""
