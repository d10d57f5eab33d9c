/**
 * How a device paired for an enrollment finishes that enrollment's pairing step: an Update `appPaired` with the
 * device id to the enrollment workflow, whose handler activates the device (DevicesPort.activate) in its own
 * activity, so that pairing is a step of the durable story. The Temporal implementation is in temporal-calls.ts.
 * The update must complete only once the device is active: the caller answers the app with the device's status.
 */
export interface EnrollmentPairingPort {
  appPaired(workflowId: string, deviceId: string): Promise<void>;
}
