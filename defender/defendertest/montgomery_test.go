package defendertest

import (
	"crypto/rand"
	"math/big"
	"testing"
)

// TestMontgomeryExp: x^e mod p by montgomery.go equals big.Int.Exp, for
// 256-bit primes and the values at the edges (0, 1, p-1; e of 0, 1, a
// word, p-2).
func TestMontgomeryExp(t *testing.T) {
	t.Parallel()
	for range 8 {
		p, err := rand.Prime(rand.Reader, 256)
		if err != nil {
			t.Fatal(err)
		}
		m := newMontgomery(p)
		one := big.NewInt(1)
		pm1 := new(big.Int).Sub(p, one)
		xs := []*big.Int{big.NewInt(0), one, big.NewInt(2), pm1}
		es := []*big.Int{big.NewInt(0), one, big.NewInt(65537), new(big.Int).SetUint64(1<<64 - 1), new(big.Int).Sub(pm1, one)}
		for range 4 {
			x, _ := rand.Int(rand.Reader, p)
			e, _ := rand.Int(rand.Reader, pm1)
			xs, es = append(xs, x), append(es, e)
		}
		for _, x := range xs {
			for _, e := range es {
				want := new(big.Int).Exp(x, e, p)
				if got := m.exp(x, e); got.Cmp(want) != 0 {
					t.Fatalf("p %x: %x^%x = %x, want %x", p, x, e, got, want)
				}
			}
		}
	}
}

func BenchmarkSign(b *testing.B) {
	s, err := newSigner()
	if err != nil {
		b.Fatal(err)
	}
	input := make([]byte, 1200)
	for b.Loop() {
		s.signPKCS1v15(input)
	}
}

func BenchmarkSigningKey(b *testing.B) {
	for b.Loop() {
		if _, err := newSigningKey(); err != nil {
			b.Fatal(err)
		}
	}
}
