package escrow

import (
	"crypto/sha512"
	"encoding/binary"

	"github.com/gtank/ristretto255"
)

// generatorH is the second Pedersen generator: the ristretto255 element
// derived from SHA-512("accord/escrow/v1 pedersen H") by RFC 9496's element
// derivation (the one-way map from 64 uniform bytes).
// Nobody knows its discrete logarithm to the base point.
var generatorH = func() *ristretto255.Element {
	h := sha512.Sum512([]byte(domain + " pedersen H"))
	return ristretto255.NewElement().FromUniformBytes(h[:])
}()

// GeneratorH returns the encoding of the second Pedersen generator H.
func GeneratorH() [32]byte {
	var b [32]byte
	generatorH.Encode(b[:0])
	return b
}

// scalarOf returns n as a scalar.
func scalarOf(n uint64) *ristretto255.Scalar {
	var b [32]byte
	binary.LittleEndian.PutUint64(b[:], n)
	s := ristretto255.NewScalar()
	if err := s.Decode(b[:]); err != nil {
		panic(err) // every uint64 is canonical
	}
	return s
}

// pedersen returns n·G + blind·H.
func pedersen(n, blind *ristretto255.Scalar) *ristretto255.Element {
	return ristretto255.NewElement().VarTimeMultiScalarMult(
		[]*ristretto255.Scalar{n, blind},
		[]*ristretto255.Element{ristretto255.NewElement().Base(), generatorH})
}

func encodeElement(e *ristretto255.Element) (b [32]byte) {
	e.Encode(b[:0])
	return b
}

func encodeScalar(s *ristretto255.Scalar) (b [32]byte) {
	s.Encode(b[:0])
	return b
}

func decodeScalar(b [32]byte) *ristretto255.Scalar {
	s := ristretto255.NewScalar()
	if s.Decode(b[:]) != nil {
		return nil
	}
	return s
}

func decodeElement(b [32]byte) *ristretto255.Element {
	e := ristretto255.NewElement()
	if e.Decode(b[:]) != nil {
		return nil
	}
	return e
}
