import { LocalSignalingBus } from "../../signaling-server/src/bus/local-signaling-bus.js";
import { describeSignalingBus } from "./signaling-bus-contract.js";

describeSignalingBus("local", async () => {
  const bus = new LocalSignalingBus();
  return { here: bus, there: bus, cleanup: () => bus.close() };
});
