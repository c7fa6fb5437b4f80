package sim

import "errors"

func (b *builder) trilateral(w *World) error {
	return errors.New("trilateral scenario: not built yet")
}
