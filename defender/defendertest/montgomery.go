package defendertest

import (
	"math/big"
	"math/bits"
)

// limbs is the size of the signing key's primes in 64-bit words: eight
// 256-bit primes make its 2,048-bit modulus (see signingPrimes).
const limbs = 4

// nat256 is a number below a 256-bit prime, least significant word first.
type nat256 [limbs]uint64

// montgomery is arithmetic modulo one odd 256-bit p in Montgomery form
// (x is held as xR mod p, R = 2^256), for the exponentiations of an RS256
// signature. It does what big.Int.Exp does for such a p in about a third
// of the time: math/big's general loops cost more than the arithmetic at
// four words. It is not constant-time.
type montgomery struct {
	p    nat256
	pinv uint64 // -p^-1 mod 2^64
	r2   nat256 // R^2 mod p, to enter Montgomery form
}

func newMontgomery(p *big.Int) montgomery {
	var m montgomery
	m.p = toNat256(p)
	// Newton's iteration for p^-1 mod 2^64: each step doubles the correct
	// low bits, from the 3 that p*p = 1 (mod 8) gives an odd p.
	inv := m.p[0]
	for range 5 {
		inv *= 2 - m.p[0]*inv
	}
	m.pinv = -inv
	r2 := new(big.Int).Lsh(big.NewInt(1), 2*64*limbs)
	m.r2 = toNat256(r2.Mod(r2, p))
	return m
}

func toNat256(x *big.Int) nat256 {
	var n nat256
	var buf [8 * limbs]byte
	x.FillBytes(buf[:])
	for i := range limbs {
		for j := range 8 {
			n[i] |= uint64(buf[8*limbs-1-8*i-j]) << (8 * j)
		}
	}
	return n
}

func (n *nat256) big() *big.Int {
	var buf [8 * limbs]byte
	for i := range limbs {
		for j := range 8 {
			buf[8*limbs-1-8*i-j] = byte(n[i] >> (8 * j))
		}
	}
	return new(big.Int).SetBytes(buf[:])
}

// mul is a*b*R^-1 mod p (coarsely integrated operand scanning, one word
// of b a round), for a and b below p. It is written out for four words.
func (m *montgomery) mul(a, b *nat256) nat256 {
	p0, p1, p2, p3 := m.p[0], m.p[1], m.p[2], m.p[3]
	var t0, t1, t2, t3, t4 uint64
	for _, bi := range b {
		var c, t5, carry uint64
		// t += a*bi
		c, t0 = madd(a[0], bi, t0, 0)
		c, t1 = madd(a[1], bi, t1, c)
		c, t2 = madd(a[2], bi, t2, c)
		c, t3 = madd(a[3], bi, t3, c)
		t4, t5 = bits.Add64(t4, c, 0)
		// t = (t + u*p) / 2^64, u chosen so that the low word is 0
		u := t0 * m.pinv
		c, _ = madd(u, p0, t0, 0)
		c, t0 = madd(u, p1, t1, c)
		c, t1 = madd(u, p2, t2, c)
		c, t2 = madd(u, p3, t3, c)
		t3, carry = bits.Add64(t4, c, 0)
		t4 = t5 + carry
	}
	// t < 2p: subtract p once if t >= p.
	var borrow uint64
	var d nat256
	d[0], borrow = bits.Sub64(t0, p0, 0)
	d[1], borrow = bits.Sub64(t1, p1, borrow)
	d[2], borrow = bits.Sub64(t2, p2, borrow)
	d[3], borrow = bits.Sub64(t3, p3, borrow)
	if t4 != 0 || borrow == 0 {
		return d
	}
	return nat256{t0, t1, t2, t3}
}

// madd is a*b + c + d as two words, which cannot overflow.
func madd(a, b, c, d uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(a, b)
	var carry uint64
	lo, carry = bits.Add64(lo, c, 0)
	hi += carry
	lo, carry = bits.Add64(lo, d, 0)
	hi += carry
	return hi, lo
}

// exp is x^e mod p, for x below p, with a window of four bits.
func (m *montgomery) exp(x *big.Int, e *big.Int) *big.Int {
	xn := toNat256(x)
	var table [16]nat256
	one := nat256{1}
	table[0] = m.mul(&one, &m.r2) // R mod p: one, in Montgomery form
	table[1] = m.mul(&xn, &m.r2)
	for i := 2; i < 16; i++ {
		table[i] = m.mul(&table[i-1], &table[1])
	}
	acc := table[0]
	words := e.Bits()
	for i := len(words) - 1; i >= 0; i-- {
		w := uint64(words[i])
		for shift := bits.UintSize - 4; shift >= 0; shift -= 4 {
			for range 4 {
				acc = m.mul(&acc, &acc)
			}
			acc = m.mul(&acc, &table[w>>shift&0xf])
		}
	}
	acc = m.mul(&acc, &one) // leave Montgomery form
	return acc.big()
}
