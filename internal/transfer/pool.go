package transfer

import "sync"

// each runs do for 0..n-1 on workers goroutines (at least one) and returns
// the results in index order.
func each(workers, n int, do func(i int) Result) []Result {
	results := make([]Result, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for i := range jobs {
				results[i] = do(i)
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return results
}
