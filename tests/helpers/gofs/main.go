// SPDX-License-Identifier: LGPL-3.0-or-later

// gofs - a static Go program doing file operations for the end-to-end
// tests (built by tests/e2e/run.sh with CGO_ENABLED=0).  While SPIN
// goroutines burn CPU (so the runtime preempts threads with SIGURG), the
// main goroutine runs N rounds of stat/open/read of a package file and
// create/write/rename/readdir/remove in DIR, an upper-only directory it
// creates.  A notified syscall interrupted by SIGURG must restart, not fail
// (EINTR) nor repeat a side effect visibly.
//
//	gofs PKGFILE DIR N SPIN
//
// Prints "gofs: ok N rounds" or "ERR ..." lines (exit status 1); then
// "gofs: keep <name>" for the file it leaves behind in DIR.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
)

var errors int

func check(op string, err error) bool {
	if err != nil {
		fmt.Printf("ERR %s: %v\n", op, err)
		errors++
		return false
	}
	return true
}

func spin(stop *int32, counter *int64) {
	x := uint64(1)
	for atomic.LoadInt32(stop) == 0 {
		for i := 0; i < 1000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
		atomic.AddInt64(counter, int64(x&1))
	}
}

func round(pkgFile string, want []byte, dir string, i int) {
	st, err := os.Stat(pkgFile)
	if !check("stat "+pkgFile, err) {
		return
	}
	if st.Size() != int64(len(want)) {
		check("stat size", fmt.Errorf("%d, want %d", st.Size(), len(want)))
	}
	got, err := os.ReadFile(pkgFile)
	if check("read "+pkgFile, err) && !bytes.Equal(got, want) {
		check("read content", fmt.Errorf("differs"))
	}
	a := filepath.Join(dir, "new."+strconv.Itoa(i))
	b := filepath.Join(dir, "f."+strconv.Itoa(i))
	text := []byte("round " + strconv.Itoa(i) + "\n")
	if !check("write "+a, os.WriteFile(a, text, 0o644)) {
		return
	}
	if !check("rename "+a, os.Rename(a, b)) {
		return
	}
	got, err = os.ReadFile(b)
	if check("read "+b, err) && !bytes.Equal(got, text) {
		check("read "+b, fmt.Errorf("content %q", got))
	}
	ents, err := os.ReadDir(dir)
	wantEnts := 2 // f.i and keep
	if i == 0 {
		wantEnts = 1
	}
	if check("readdir "+dir, err) && len(ents) != wantEnts {
		check("readdir "+dir, fmt.Errorf("%d entries, want %d", len(ents), wantEnts))
	}
	if i > 0 {
		prev := filepath.Join(dir, "keep")
		check("rename over "+prev, os.Rename(b, prev))
	} else {
		check("rename "+b, os.Rename(b, filepath.Join(dir, "keep")))
	}
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: gofs PKGFILE DIR N SPIN")
		os.Exit(2)
	}
	pkgFile, dir := os.Args[1], os.Args[2]
	n, _ := strconv.Atoi(os.Args[3])
	nspin, _ := strconv.Atoi(os.Args[4])
	want, err := os.ReadFile(pkgFile)
	if !check("read "+pkgFile, err) {
		os.Exit(1)
	}
	if !check("mkdir "+dir, os.Mkdir(dir, 0o755)) {
		os.Exit(1)
	}
	runtime.GOMAXPROCS(nspin + 1)
	var stop int32
	var spins int64
	for s := 0; s < nspin; s++ {
		go spin(&stop, &spins)
	}
	for i := 0; i < n && errors < 10; i++ {
		round(pkgFile, want, dir, i)
	}
	atomic.StoreInt32(&stop, 1)
	if errors == 0 {
		fmt.Printf("gofs: ok %d rounds\n", n)
	}
	got, err := os.ReadFile(filepath.Join(dir, "keep"))
	if check("read keep", err) {
		fmt.Printf("gofs: keep %s", got)
	}
	if errors > 0 {
		os.Exit(1)
	}
}
