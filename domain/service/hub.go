package service

import (
	"sync"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// Change tells the front ends that data changed: which bookings (none when
// the change is wider, such as an import) and who changed it. It is
// published only after the change is committed.
type Change struct {
	Bookings []domain.BookingID
	Source   string // the actor, "system" for the loop
	At       time.Time
	Tick     *TickReport // set when the background loop ran
	Err      error       // the background loop failed this time
}

// Hub is the in-process event hub: the loop, the simulator and every
// terminal publish to it; every terminal subscribes, so a change made
// anywhere appears everywhere without a key press.
type Hub struct {
	mu   sync.Mutex
	subs map[int]chan Change
	next int
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[int]chan Change{}} }

// Subscribe returns a channel of changes and a function that ends the
// subscription. A subscriber that falls behind loses intermediate changes
// but always gets the latest, which is enough for a screen that reloads.
func (h *Hub) Subscribe() (<-chan Change, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := h.next
	h.next++
	ch := make(chan Change, 8)
	h.subs[id] = ch
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if c, ok := h.subs[id]; ok {
			delete(h.subs, id)
			close(c)
		}
	}
}

// Publish hands c to every subscriber without ever blocking the publisher.
func (h *Hub) Publish(c Change) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.subs {
		select {
		case ch <- c:
		default:
			// Full: drop the oldest so the newest gets through.
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- c:
			default:
			}
		}
	}
}

func (s *Service) publish(ids ...domain.BookingID) {
	if s.Hub == nil {
		return
	}
	s.Hub.Publish(Change{Bookings: ids, Source: s.Actor(), At: s.Clock.Now()})
}
