//go:build !corpus

package corpus

// enabled: built without the corpus tag, the default tier, which never reads the corpus.
const enabled = false
