

/// Supporting types for the `image_available` waiter.
pub mod image_available;

/// Supporting types for the `image_exists` waiter.
pub mod image_exists;

/// Supporting types for the `instance_exists` waiter.
pub mod instance_exists;

/// Supporting types for the `instance_running` waiter.
pub mod instance_running;

/// Supporting types for the `instance_stopped` waiter.
pub mod instance_stopped;

/// Supporting types for the `instance_terminated` waiter.
pub mod instance_terminated;
