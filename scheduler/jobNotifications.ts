import type { NotificationChannel } from 'agenda';

/**
 * The backend's channel without job-state notifications. Agenda would otherwise publish a
 * NOTIFY for every start, success and completion, three statements a job that countersign
 * never listens to; new-job notifications, which wake idle workers, still flow.
 */
export function newJobNotificationsOnly(channel: NotificationChannel): NotificationChannel {
  const only: NotificationChannel = {
    get state() {
      return channel.state;
    },
    connect: () => channel.connect(),
    disconnect: () => channel.disconnect(),
    subscribe: (handler) => channel.subscribe(handler),
    publish: (notification) => channel.publish(notification),
    on(event: 'stateChange' | 'error', listener: (arg: never) => void) {
      channel.on(event as 'error', listener as (error: Error) => void);
      return only;
    },
    off(event: 'stateChange' | 'error', listener: (arg: never) => void) {
      channel.off(event as 'error', listener as (error: Error) => void);
      return only;
    },
  };
  return only;
}
