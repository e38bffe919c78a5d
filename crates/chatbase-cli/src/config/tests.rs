//! Tests of configuration: the file, resolution and precedence, and the settable keys.

use super::*;
use crate::cli::GlobalArgs;
use std::collections::HashMap;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

fn file_with_key(key: &str) -> ConfigFile {
    let mut f = ConfigFile::default();
    f.profile_mut("default").api_key = Some(key.into());
    f
}

#[test]
fn key_file_beats_env_beats_profile() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, "from-file\n").unwrap();
    let kf = key_file
        .to_str()
        .expect("a temp dir path is UTF-8 on the test machines");
    let g = GlobalArgs::default();
    let s = Settings::resolve_with(
        &g,
        FlagSources::default(),
        "x".into(),
        file_with_key("from-profile"),
        &env_of(&[
            ("CHATBASE_API_KEY_FILE", kf),
            ("CHATBASE_API_KEY", "from-env"),
        ]),
    )
    .unwrap();
    let k = s.api_key.unwrap();
    assert_eq!(k.value.expose(), "from-file");
    assert_eq!(k.origin, Origin::Env("CHATBASE_API_KEY_FILE"));

    let s = Settings::resolve_with(
        &g,
        FlagSources::default(),
        "x".into(),
        file_with_key("from-profile"),
        &env_of(&[("CHATBASE_API_KEY", "from-env")]),
    )
    .unwrap();
    assert_eq!(s.api_key.unwrap().value.expose(), "from-env");

    let s = Settings::resolve_with(
        &g,
        FlagSources::default(),
        "x".into(),
        file_with_key("from-profile"),
        &env_of(&[]),
    )
    .unwrap();
    let k = s.api_key.unwrap();
    assert_eq!(k.value.expose(), "from-profile");
    assert_eq!(k.origin, Origin::Profile("default".into()));
}

#[test]
fn profiles_are_selected_by_flag_then_file_default() {
    let mut f = ConfigFile {
        default_profile: Some("work".into()),
        ..Default::default()
    };
    f.profile_mut("work").agent = Some("agent-work".into());
    f.profile_mut("home").agent = Some("agent-home".into());
    let s = Settings::resolve_with(
        &GlobalArgs::default(),
        FlagSources::default(),
        "p".into(),
        f.clone(),
        &env_of(&[]),
    )
    .unwrap();
    assert_eq!(s.agent.unwrap().value, "agent-work");
    let g = GlobalArgs {
        profile: Some("home".into()),
        ..Default::default()
    };
    let s = Settings::resolve_with(
        &g,
        FlagSources {
            profile_from_flag: true,
            ..Default::default()
        },
        "p".into(),
        f,
        &env_of(&[]),
    )
    .unwrap();
    assert_eq!(s.agent.as_ref().unwrap().value, "agent-home");
    assert_eq!(s.agent.unwrap().origin, Origin::Profile("home".into()));
    assert_eq!(s.profile.origin, Origin::Flag("--profile"));
}

#[test]
fn unknown_profiles_are_refused_with_the_known_ones() {
    let mut f = ConfigFile::default();
    f.profile_mut("work").agent = Some("a".into());
    let err = f
        .require_profile("wrok", &Origin::Flag("--profile"))
        .unwrap_err();
    assert!(
        err.message.contains("known profiles: default, work"),
        "{}",
        err.message
    );
    assert!(f.require_profile("work", &Origin::Default).is_ok());
    assert!(f.require_profile("default", &Origin::Default).is_ok());
    let err = set_value(&mut f, "default", "default-profile", "nosuch").unwrap_err();
    assert!(
        err.message.contains("known profiles: default, work"),
        "{}",
        err.message
    );
    assert_eq!(f.default_profile, None);
    set_value(&mut f, "default", "default-profile", "work").unwrap();
    assert_eq!(f.default_profile.as_deref(), Some("work"));
}

#[test]
fn api_key_debug_is_redacted() {
    let k = ApiKey::new("sk-secret-value-1234");
    assert_eq!(format!("{k:?}"), "ApiKey(…1234)");
    let p = Profile {
        api_key: Some("sk-secret-value-1234".into()),
        ..Default::default()
    };
    assert!(!format!("{p:?}").contains("secret"));
}

#[test]
fn saved_file_is_private_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("config.toml");
    let f = file_with_key("k");
    f.save(&path).unwrap();
    assert_eq!(loose_permissions(&path), None);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            std::fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
    }
    let back = ConfigFile::load(&path).unwrap();
    assert_eq!(
        back.profile("default").unwrap().api_key.as_deref(),
        Some("k")
    );
}

#[test]
fn broken_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "profiles = 3 = 4").unwrap();
    let e = ConfigFile::load(&path).unwrap_err();
    assert!(e.message.contains("config.toml"), "{}", e.message);
}

#[test]
fn setting_the_key_is_refused_and_values_are_checked() {
    let mut f = ConfigFile::default();
    assert_eq!(
        set_value(&mut f, "default", "api_key", "x")
            .unwrap_err()
            .kind,
        crate::error::ExitKind::Usage
    );
    assert!(set_value(&mut f, "default", "timeout", "abc").is_err());
    assert!(set_value(&mut f, "default", "api-url", "ftp://x").is_err());
    set_value(&mut f, "default", "agentId", "a1").unwrap();
    assert_eq!(f.profile("default").unwrap().agent.as_deref(), Some("a1"));
    set_value(&mut f, "default", "agent", "").unwrap();
    assert_eq!(f.profile("default").unwrap().agent, None);
}

#[cfg(feature = "keyring")]
fn keyring_profile(name: &str, file_key: Option<&str>) -> ConfigFile {
    let mut f = ConfigFile {
        default_profile: Some(name.into()),
        ..Default::default()
    };
    let p = f.profile_mut(name);
    p.api_key = file_key.map(Into::into);
    p.credential_store = Some("keyring".into());
    f
}

#[cfg(feature = "keyring")]
#[test]
fn keyring_sits_between_the_environment_and_the_file() {
    use crate::keyring_store;
    keyring_store::tests::use_mock_store();
    let resolve = |env: &[(&str, &str)]| {
        Settings::resolve_with(
            &GlobalArgs::default(),
            FlagSources::default(),
            "x".into(),
            keyring_profile("kr-order", Some("from-file")),
            &env_of(env),
        )
        .unwrap()
        .api_key
        .unwrap()
    };
    keyring_store::store("kr-order", &ApiKey::new("from-keyring")).unwrap();
    let k = resolve(&[]);
    assert_eq!(k.value.expose(), "from-keyring");
    assert_eq!(k.origin, Origin::Keyring);
    assert_eq!(k.origin.to_string(), "keyring");
    let k = resolve(&[("CHATBASE_API_KEY", "from-env")]);
    assert_eq!(k.origin, Origin::Env("CHATBASE_API_KEY"));
    keyring_store::delete("kr-order").unwrap();
    let k = resolve(&[]);
    assert_eq!(k.value.expose(), "from-file");
    assert_eq!(k.origin, Origin::Profile("kr-order".into()));
}

#[cfg(feature = "keyring")]
#[test]
fn keyring_is_not_consulted_for_unmarked_profiles() {
    crate::keyring_store::tests::use_mock_store();
    crate::keyring_store::store("kr-unmarked", &ApiKey::new("in-keyring")).unwrap();
    let mut f = keyring_profile("kr-unmarked", None);
    f.profile_mut("kr-unmarked").credential_store = None;
    let s = Settings::resolve_with(
        &GlobalArgs::default(),
        FlagSources::default(),
        "x".into(),
        f,
        &env_of(&[]),
    )
    .unwrap();
    assert!(s.api_key.is_none());
    assert_eq!(s.missing_key_error().message, "not authenticated");
}

#[cfg(feature = "keyring")]
#[test]
fn an_unreadable_keyring_defers_its_error_until_a_key_is_needed() {
    crate::keyring_store::tests::use_mock_store();
    let entry = keyring_core::Entry::new(crate::keyring_store::SERVICE, "kr-locked").unwrap();
    let mock: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
    mock.set_error(keyring_core::Error::NoStorageAccess("locked".into()));
    let s = Settings::resolve_with(
        &GlobalArgs::default(),
        FlagSources::default(),
        "x".into(),
        keyring_profile("kr-locked", None),
        &env_of(&[]),
    )
    .unwrap();
    assert!(s.api_key.is_none());
    let e = s.missing_key_error();
    assert!(e.message.starts_with("OS keyring:"), "{}", e.message);
    assert!(e.hint.unwrap().contains("config file"));
}

#[test]
fn credential_store_is_set_read_and_cleared_per_profile() {
    let mut f = ConfigFile {
        default_profile: Some("work".into()),
        ..Default::default()
    };
    let settings = |f: &ConfigFile| {
        Settings::resolve_with(
            &GlobalArgs::default(),
            FlagSources::default(),
            "x".into(),
            f.clone(),
            &env_of(&[]),
        )
        .unwrap()
    };
    let (v, o) = settings(&f).get("credential-store").unwrap().unwrap();
    assert_eq!((v.as_str(), o), ("file", Origin::Default));
    let err = set_value(&mut f, "work", "credential_store", "vault").unwrap_err();
    assert!(err.message.contains("file or keyring"), "{}", err.message);
    if cfg!(feature = "keyring") {
        set_value(&mut f, "work", "credential-store", "keyring").unwrap();
        assert!(f.profile("work").unwrap().uses_keyring());
        let (v, o) = settings(&f).get("credential-store").unwrap().unwrap();
        assert_eq!((v.as_str(), o), ("keyring", Origin::Profile("work".into())));
    } else {
        let err = set_value(&mut f, "work", "credential-store", "keyring").unwrap_err();
        assert!(err.message.contains("no OS keyring"), "{}", err.message);
        f.profile_mut("work").credential_store = Some("keyring".into());
    }
    set_value(&mut f, "work", "credential-store", "file").unwrap();
    assert_eq!(f.profile("work").unwrap().credential_store, None);
    assert!(KEYS.contains(&"credential-store"));
}

#[test]
fn stream_settings_resolve_env_over_profile_over_default() {
    let resolve = |f: &ConfigFile, env: &[(&str, &str)]| {
        Settings::resolve_with(
            &GlobalArgs::default(),
            FlagSources::default(),
            "x".into(),
            f.clone(),
            &env_of(env),
        )
    };
    let mut f = ConfigFile::default();
    let s = resolve(&f, &[]).unwrap();
    let values: Vec<u64> = s.stream.iter().map(|r| r.value).collect();
    assert_eq!(values, vec![60, 120, 0]);
    assert!(s.stream.iter().all(|r| r.origin == Origin::Default));

    set_value(&mut f, "default", "stream_event_timeout", "300").unwrap();
    set_value(&mut f, "default", "stream-deadline", "900").unwrap();
    assert!(set_value(&mut f, "default", "stream-idle-timeout", "-1").is_err());
    let s = resolve(&f, &[("CHATBASE_STREAM_DEADLINE", "30")]).unwrap();
    assert_eq!(s.stream[1].value, 300);
    assert_eq!(s.stream[1].origin, Origin::Profile("default".into()));
    assert_eq!(s.stream[2].value, 30);
    assert_eq!(s.stream[2].origin, Origin::Env("CHATBASE_STREAM_DEADLINE"));
    assert_eq!(
        s.get("stream-event-timeout").unwrap().map(|(v, _)| v),
        Some("300".to_owned())
    );

    let err = resolve(&f, &[("CHATBASE_STREAM_IDLE_TIMEOUT", "soon")]).unwrap_err();
    assert!(
        err.message.contains("CHATBASE_STREAM_IDLE_TIMEOUT"),
        "{}",
        err.message
    );
    set_value(&mut f, "default", "stream-deadline", "").unwrap();
    assert_eq!(f.profile("default").unwrap().stream_deadline, None);
    for (key, ..) in STREAM_SETTINGS {
        assert!(KEYS.contains(&key));
        assert_eq!(canonical_key(key).unwrap(), key);
    }
}
