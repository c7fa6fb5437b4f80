package main

import (
	"testing"
	"time"

	"accord/draw"
	"accord/entry/body"
	"accord/internal/registry"
)

// TestDrawRow checks the status list prints for each state of a draw.
func TestDrawRow(t *testing.T) {
	terms := &draw.Commit{ID: "d", Of: 10, Pick: 2, Purpose: "p", RevealBy: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), With: "RUS"}
	usa := registry.DrawSide{Party: "USA", Terms: terms, Reveal: &body.Ref{Index: 1}}
	rus := registry.DrawSide{Party: "RUS", Terms: terms}
	for _, tc := range []struct {
		d    registry.JointDraw
		want string
	}{
		{registry.JointDraw{ID: "d", Sides: []registry.DrawSide{usa}}, "RUS's commitment is not in the logs held"},
		{registry.JointDraw{ID: "d", Sides: []registry.DrawSide{usa, rus}}, "awaiting the reveal of RUS"},
		{registry.JointDraw{ID: "d", Sides: []registry.DrawSide{usa, rus}, Problem: &draw.CheckError{Check: "terms", Draw: "d", Detail: "x"}}, "draw check terms failed for draw d: x"},
		{registry.JointDraw{ID: "d", Sides: []registry.DrawSide{usa, rus}, Result: &draw.Result{Picks: []uint64{7, 0}}}, "drawn: 7 0"},
	} {
		if got := rowOf(&tc.d).Status; got != tc.want {
			t.Errorf("status %q, want %q", got, tc.want)
		}
	}
}
