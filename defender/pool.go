package defender

import (
	"context"
	"sync"
	"sync/atomic"
)

// Job is one tenant to validate with the engine of its connector. `test
// --all` puts every connector's tenants in one queue, so --parallel bounds
// the whole run, not each connector, and a connector of one tenant costs no
// more than a tenant.
type Job struct {
	Engine *Engine
	Target Target
}

// ValidateJobs validates jobs on parallel workers (DefaultParallel when 0 or
// less), taking them in order, and hands each tenant's result to done as
// soon as its checks end, so a caller can stream results instead of holding
// them all. done is called by one worker at a time; i is the job's index.
// Every job's engine must be Ready, or nothing runs and that error returns.
// A cancelled context ends the run early: the jobs not yet started still
// run, at once, and their checks say they were cancelled.
func ValidateJobs(ctx context.Context, parallel int, jobs []Job, done func(i int, t TenantResult)) error {
	seen := map[*Engine]bool{}
	for _, j := range jobs {
		if !seen[j.Engine] {
			seen[j.Engine] = true
			if err := j.Engine.Ready(); err != nil {
				return err
			}
		}
	}
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	var (
		next atomic.Int64
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	// A worker per slot, not a goroutine per tenant: 5,000 tenants wait as
	// 5,000 small Jobs, not 5,000 stacks.
	for range min(parallel, len(jobs)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				j := jobs[i]
				t := j.Engine.validateTenant(ctx, j.Target)
				mu.Lock()
				done(i, t)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return nil
}
