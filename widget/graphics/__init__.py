"""Know Your Rights graphics: what a card says (`cards`), drawing it (`render`), keeping each
drawn version on disk (`store`), the addresses pages use for it (`addresses`) and serving it
(`views`, `/graphics/<slug>/<lang>/<format>.png`)."""
