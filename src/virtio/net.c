/* virtio-net (virtio 1.x, section 5.1): not yet. */
#include "../log.h"
#include "../vm.h"
#include "virtio_mmio.h"

int virtio_net_new(struct vm *vm, int net, struct virtio_mmio **out)
{
	(void)vm, (void)out;
	log_err("--net %d: virtio-net is not implemented yet for this guest", net);
	return -1;
}
