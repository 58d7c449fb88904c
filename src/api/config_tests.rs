//! Config precedence, method choice and defaults.

use super::*;

fn env_of(vars: &[(&str, &str)]) -> Settings {
    let owned: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Settings::from_env(&move |name| {
        owned
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
}

const PASSWORD_ENV: &[(&str, &str)] = &[
    ("OS_AUTH_URL", "https://iam.eu-de.otc.t-systems.com/v3"),
    ("OS_USERNAME", "alice"),
    ("OS_PASSWORD", "pw-1"),
    ("OS_USER_DOMAIN_NAME", "OTC00000000001000000001"),
    ("OS_PROJECT_NAME", "eu-de_prod"),
];

#[test]
fn password_env_gives_a_project_scoped_password_login() {
    let config = resolve_layers(Settings::default(), env_of(PASSWORD_ENV), &Flags::default())
        .expect("valid");
    let Credentials::Password(auth) = &config.credentials else {
        panic!("expected password auth, got {:?}", config.credentials);
    };
    assert_eq!(auth.auth_url, "https://iam.eu-de.otc.t-systems.com/v3");
    assert_eq!(
        auth.user,
        UserRef::Name {
            name: "alice".into(),
            domain: NameOrId::Name("OTC00000000001000000001".into())
        }
    );
    assert_eq!(auth.project, NameOrId::Name("eu-de_prod".into()));
    assert_eq!(
        config.region.as_deref(),
        Some("eu-de"),
        "region read from the IAM host"
    );
    assert_eq!(
        config.static_endpoint().expect("valid").as_deref(),
        Some("https://dws.eu-de.otc.t-systems.com")
    );
}

#[test]
fn project_id_and_user_id_win_over_names() {
    let mut vars = PASSWORD_ENV.to_vec();
    vars.push(("OS_PROJECT_ID", "p-123"));
    vars.push(("OS_USER_ID", "u-9"));
    let config =
        resolve_layers(Settings::default(), env_of(&vars), &Flags::default()).expect("valid");
    let Credentials::Password(auth) = config.credentials else {
        panic!("expected password auth");
    };
    assert_eq!(auth.project, NameOrId::Id("p-123".into()));
    assert_eq!(auth.user, UserRef::Id("u-9".into()));
}

#[test]
fn region_alone_gives_iam_url_and_project_name() {
    let env = env_of(&[
        ("OS_USERNAME", "alice"),
        ("OS_PASSWORD", "pw"),
        ("OS_USER_DOMAIN_NAME", "acme"),
        ("OS_REGION_NAME", "eu-nl"),
    ]);
    let config = resolve_layers(Settings::default(), env, &Flags::default()).expect("valid");
    let Credentials::Password(auth) = config.credentials else {
        panic!("expected password auth");
    };
    assert_eq!(auth.auth_url, "https://iam.eu-nl.otc.t-systems.com/v3");
    assert_eq!(auth.project, NameOrId::Name("eu-nl".into()));
}

#[test]
fn flags_override_environment_which_overrides_the_profile() {
    let profile = Settings {
        region: Some("eu-nl".into()),
        endpoint: Some("https://profile.example.com".into()),
        access_key: Some("AK-PROFILE".into()),
        secret_key: Some(Secret::new("sk-profile")),
        project_id: Some("p-profile".into()),
        ..Settings::default()
    };
    let env = env_of(&[
        ("OS_ACCESS_KEY", "AK-ENV"),
        ("DWS_ENDPOINT", "https://env.example.com"),
    ]);
    let flags = Flags {
        endpoint: Some("https://flag.example.com/v1.0/p".into()),
        ..Flags::default()
    };
    let config = resolve_layers(profile.clone(), env, &flags).expect("valid");
    assert_eq!(config.endpoint.as_deref(), Some("https://flag.example.com"));
    assert_eq!(
        config.region.as_deref(),
        Some("eu-nl"),
        "only the profile sets it"
    );
    let Credentials::AkSk {
        access_key,
        secret_key,
        project_id,
    } = config.credentials
    else {
        panic!("expected AK/SK");
    };
    assert_eq!(access_key, "AK-ENV");
    assert_eq!(secret_key.expose(), "sk-profile");
    assert_eq!(project_id, "p-profile");

    let env_only = resolve_layers(
        profile,
        env_of(&[("DWS_ENDPOINT", "https://env.example.com")]),
        &Flags::default(),
    )
    .expect("valid");
    assert_eq!(
        env_only.endpoint.as_deref(),
        Some("https://env.example.com")
    );
}

#[test]
fn token_wins_over_other_methods_unless_auth_type_says_otherwise() {
    let mut vars = PASSWORD_ENV.to_vec();
    vars.push(("OS_AUTH_TOKEN", "tok"));
    vars.push(("OS_PROJECT_ID", "p1"));
    let config =
        resolve_layers(Settings::default(), env_of(&vars), &Flags::default()).expect("valid");
    assert_eq!(config.credentials.method(), "token");
    vars.push(("OS_AUTH_TYPE", "v3password"));
    let config =
        resolve_layers(Settings::default(), env_of(&vars), &Flags::default()).expect("valid");
    assert_eq!(config.credentials.method(), "password");
}

#[test]
fn incomplete_methods_name_what_is_missing() {
    let err = resolve_layers(
        Settings::default(),
        env_of(&[("OS_ACCESS_KEY", "AK"), ("OS_PROJECT_ID", "p")]),
        &Flags::default(),
    )
    .expect_err("no secret key");
    assert_eq!(err.to_string(), "AK/SK authentication needs OS_SECRET_KEY");
    let err = resolve_layers(
        Settings::default(),
        env_of(&[("OS_AUTH_TOKEN", "t"), ("OS_REGION_NAME", "eu-de")]),
        &Flags::default(),
    )
    .expect_err("no project id");
    assert!(err.to_string().contains("OS_PROJECT_ID"));
    let err = resolve_layers(Settings::default(), env_of(&[]), &Flags::default())
        .expect_err("nothing set");
    assert!(matches!(err, ConfigError::NoCredentials));
    let err = resolve_layers(
        Settings::default(),
        env_of(&[
            ("OS_USERNAME", "a"),
            ("OS_PASSWORD", "p"),
            ("OS_PROJECT_NAME", "x"),
        ]),
        &Flags::default(),
    )
    .expect_err("no domain");
    assert!(err.to_string().contains("OS_USER_DOMAIN_NAME"));
}

#[test]
fn signing_and_token_auth_need_an_endpoint_up_front() {
    let err = resolve_layers(
        Settings::default(),
        env_of(&[("OS_AUTH_TOKEN", "t"), ("OS_PROJECT_ID", "p")]),
        &Flags::default(),
    )
    .expect_err("nothing says where DWS is");
    assert!(matches!(err, ConfigError::NoEndpoint { .. }));
    let ok = resolve_layers(
        Settings::default(),
        env_of(&[
            ("OS_AUTH_TOKEN", "t"),
            ("OS_PROJECT_ID", "p"),
            ("OS_REGION_NAME", "ap-southeast-1"),
        ]),
        &Flags::default(),
    )
    .expect("region implies the endpoint");
    assert_eq!(
        ok.static_endpoint().expect("valid").as_deref(),
        Some("https://dws.ap-southeast-1.myhuaweicloud.com")
    );
}

#[test]
fn empty_variables_count_as_unset_and_auth_type_is_checked() {
    let err = resolve_layers(
        Settings::default(),
        env_of(&[("OS_AUTH_TOKEN", ""), ("OS_PASSWORD", " ")]),
        &Flags::default(),
    )
    .expect_err("empty values");
    assert!(matches!(err, ConfigError::NoCredentials));
    let err = resolve_layers(
        Settings::default(),
        env_of(&[("OS_AUTH_TYPE", "kerberos"), ("OS_PASSWORD", "p")]),
        &Flags::default(),
    )
    .expect_err("unknown method");
    assert!(matches!(err, ConfigError::UnknownAuthType(_)));
}

#[test]
fn debug_of_a_config_hides_every_secret() {
    let mut vars = PASSWORD_ENV.to_vec();
    vars.retain(|(k, _)| *k != "OS_PASSWORD");
    vars.push(("OS_PASSWORD", "canary-cfg-pw-77"));
    let config =
        resolve_layers(Settings::default(), env_of(&vars), &Flags::default()).expect("valid");
    assert!(!format!("{config:?}").contains("canary-cfg-pw-77"));
    let settings = env_of(&[
        ("OS_SECRET_KEY", "canary-sk-55"),
        ("OS_AUTH_TOKEN", "canary-tok-66"),
    ]);
    let text = format!("{settings:?}");
    assert!(!text.contains("canary-sk-55") && !text.contains("canary-tok-66"));
}
