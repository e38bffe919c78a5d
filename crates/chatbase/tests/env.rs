//! `Client::from_env`, in its own binary because it mutates the process environment.

#[test]
fn from_env_reads_key_api_root_and_files_host() {
    // SAFETY: this binary has a single test, so no other thread reads the environment meanwhile.
    unsafe {
        std::env::remove_var("CHATBASE_API_KEY");
    }
    let err = chatbase::Client::from_env().unwrap_err();
    assert!(err.to_string().contains("CHATBASE_API_KEY"));
    unsafe {
        std::env::set_var("CHATBASE_API_KEY", "sk-env-secret");
        std::env::set_var("CHATBASE_API_URL", "http://127.0.0.1:4010/");
        std::env::set_var("CHATBASE_FILES_URL", "http://127.0.0.1:4011");
    }
    let c = chatbase::Client::from_env().unwrap();
    assert_eq!(c.v2_base_url(), "http://127.0.0.1:4010/api/v2");
    assert_eq!(c.v1_base_url(), "http://127.0.0.1:4010/api/v1");
    assert_eq!(c.files_base_url(), "http://127.0.0.1:4011");
    assert!(!format!("{c:?}").contains("sk-env-secret"));
}
