//! A panicking job becomes an error value and the pool keeps working.

use offload_pool::{ErrorKind, JobError};

use crate::support::Held;

#[tokio::test]
async fn panic_is_captured_and_the_single_thread_keeps_working() {
    let held = Held::new("panics", 1, 4);
    let code = 42;
    let formatted = held
        .pool
        .try_submit(move || -> u32 { panic!("boom {code}") })
        .unwrap();
    let literal = held
        .pool
        .try_submit(|| -> u32 { panic!("literal") })
        .unwrap();
    let opaque = held
        .pool
        .try_submit(|| -> u32 { std::panic::panic_any(7_u8) })
        .unwrap();
    let healthy = held.pool.try_submit(|| 1 + 1).unwrap();

    let err = formatted.await.unwrap_err();
    assert_eq!(err, JobError::Panicked("boom 42".to_owned()));
    assert_eq!(err.kind(), ErrorKind::JobFailed);
    assert_eq!(
        literal.await.unwrap_err(),
        JobError::Panicked("literal".to_owned())
    );
    let opaque = opaque.await.unwrap_err().to_string();
    assert!(opaque.contains("not a string"), "{opaque}");
    assert_eq!(healthy.await.unwrap(), 2);

    let stats = held.pool.stats();
    assert_eq!((stats.completed, stats.panicked), (4, 3));
}
