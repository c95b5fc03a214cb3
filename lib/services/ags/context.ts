import type { ServiceCaller } from '../service-call';
import type { ServiceStore } from '../service-launch';

/** What every AGS/NRPS call shares inside one `ltiServices()`. */
export interface ServiceContext {
  caller: ServiceCaller;
  store: ServiceStore;
}
