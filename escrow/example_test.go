package escrow_test

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"accord/escrow"
)

// A party commits to 3 warheads in two regions, proves its total at once,
// then reveals one region; a reveal that counts a padding leaf fails.
func Example() {
	secret := sha256.Sum256([]byte("example secret, use 32 random bytes"))
	d := &escrow.Declaration{Party: "USA", Date: "2020-10-20", Regions: []escrow.Region{
		{ID: "east", Entries: []escrow.Entry{{Site: "kings-bay", UID: "W76-0001", Category: escrow.DeployedStrategic}}},
		{ID: "west", Entries: []escrow.Entry{{Site: "kirtland", Counts: map[escrow.Category]uint32{escrow.Retired: 2}}}},
	}}
	c, opening, err := escrow.Commit(&secret, d)
	if err != nil {
		panic(err)
	}
	v, err := escrow.Verify(c)
	fmt.Println("total", c.Total, "capacity", c.Capacity, err, v.CheckFreeze(3750))

	west, _ := opening.Reveal("west")
	v, err = escrow.Verify(c, west)
	fmt.Println("west:", west.Count, "warheads", err, "complete:", v.Complete())

	west.Count++
	_, err = escrow.Verify(c, west)
	var ce *escrow.CheckError
	fmt.Println(errors.As(err, &ce), ce.Check, errors.Is(err, escrow.ErrCount))
	fmt.Println(err)
	// Output:
	// total 3 capacity 2 <nil> <nil>
	// west: 2 warheads <nil> complete: false
	// true count true
	// escrow check count failed for region west: the reveal states 3 warheads, its entries hold 2
}
