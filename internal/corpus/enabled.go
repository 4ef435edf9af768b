//go:build corpus

package corpus

// enabled: this binary was built with the corpus tag, the tier whose tests read the corpus.
const enabled = true
