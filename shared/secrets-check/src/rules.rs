//! The rules of the `secrets` check: one per detect-secrets plugin, identified by detect-secrets'
//! type name ("Secret Keyword", the `rule` of the findings contract), known to the website's
//! policy by the plugin's class name (`KeywordDetector`), with our own remediation guidance.

use validator_domain::{Level, RuleInfo, Severity};

/// A rule plus the names detect-secrets gives it.
#[derive(Debug, Clone, Copy)]
pub struct SecretType {
    /// `rule.id` is the type name.
    pub rule: RuleInfo,
    /// detect-secrets' `secret_type`, exactly ("Secret Keyword").
    pub type_name: &'static str,
    /// detect-secrets' plugin class, as the website's policy data names the rule
    /// (`KeywordDetector`).
    pub plugin: &'static str,
}

const fn critical(
    id: &'static str,
    type_name: &'static str,
    title: &'static str,
    remediation: &'static str,
) -> SecretType {
    SecretType {
        rule: RuleInfo {
            id: type_name,
            title,
            severity: Severity::High,
            level: Level::Critical,
            mandatory: true,
            remediation,
        },
        type_name,
        plugin: id,
    }
}

const fn heuristic(
    id: &'static str,
    type_name: &'static str,
    title: &'static str,
    level: Level,
    remediation: &'static str,
) -> SecretType {
    SecretType {
        rule: RuleInfo {
            id: type_name,
            title,
            severity: match level {
                Level::Info => Severity::Low,
                _ => Severity::Medium,
            },
            level,
            mandatory: false,
            remediation,
        },
        type_name,
        plugin: id,
    }
}

/// Advice shared by every credential type: what to do once a secret was published.
macro_rules! revoke {
    ($what:literal, $example:literal) => {
        concat!(
            $what,
            " Anyone who downloads the plugin can read it and act with its rights, and removing \
             it from a later version does not un-publish it: revoke or rotate it first, then \
             remove it from the code. Let each user supply their own credential at run time \
             (QGIS authentication manager, plugin settings or an environment variable) instead \
             of shipping one. Example: ",
            $example
        )
    };
}

pub const ARTIFACTORY: SecretType = critical(
    "ArtifactoryDetector",
    "Artifactory Credentials",
    "Artifactory API token or password",
    revoke!(
        "An Artifactory API token or encrypted password gives access to your artifact \
         repositories.",
        "`token = QgsSettings().value('myplugin/artifactory_token')`."
    ),
);
pub const AWS: SecretType = critical(
    "AWSKeyDetector",
    "AWS Access Key",
    "AWS access key",
    revoke!(
        "An AWS access key id or secret access key lets its holder use your AWS account, and \
         bills you for it.",
        "deactivate the key in IAM, then use `boto3.Session()` so that credentials come from \
         the user's own AWS profile."
    ),
);
pub const AZURE_STORAGE: SecretType = critical(
    "AzureStorageKeyDetector",
    "Azure Storage Account access key",
    "Azure Storage account key",
    revoke!(
        "An Azure Storage account key gives full control over every container of the account.",
        "regenerate the key in the Azure portal, then hand out short-lived SAS tokens instead \
         of the account key."
    ),
);
pub const BASIC_AUTH: SecretType = critical(
    "BasicAuthDetector",
    "Basic Auth Credentials",
    "Password in a URL",
    revoke!(
        "A URL of the form `scheme://user:password@host` carries a password in clear text.",
        "change the password, then build the URL without it and let QGIS add the credentials: \
         `QgsApplication.authManager().updateNetworkRequest(request, authcfg)`."
    ),
);
pub const CLOUDANT: SecretType = critical(
    "CloudantDetector",
    "Cloudant Credentials",
    "Cloudant credentials",
    revoke!(
        "A Cloudant password or API key gives access to the account's databases.",
        "rotate the API key in the IBM Cloud console and read it from the plugin's settings."
    ),
);
pub const DISCORD: SecretType = critical(
    "DiscordBotTokenDetector",
    "Discord Bot Token",
    "Discord bot token",
    revoke!(
        "A Discord bot token lets anyone control the bot.",
        "reset the token in the Discord developer portal and load it from the user's settings."
    ),
);
pub const GITHUB: SecretType = critical(
    "GitHubTokenDetector",
    "GitHub Token",
    "GitHub token",
    revoke!(
        "A GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) acts as its owner on GitHub, \
         often with write access to repositories.",
        "revoke it under Settings > Developer settings, then ask the user for a token with the \
         least scopes needed."
    ),
);
pub const GITLAB: SecretType = critical(
    "GitLabTokenDetector",
    "GitLab Token",
    "GitLab token",
    revoke!(
        "A GitLab token (`glpat-`, runner, deploy or trigger token) acts on the GitLab instance \
         with its scopes.",
        "revoke it in GitLab's access token settings and read a user-supplied token from the \
         QGIS authentication manager."
    ),
);
pub const BASE64_ENTROPY: SecretType = heuristic(
    "Base64HighEntropyString",
    "Base64 High Entropy String",
    "Random-looking string",
    Level::Warning,
    "A quoted string of base64 characters is random enough (Shannon entropy above 4.5) to be a \
     key, token or password. Check what it is: if it is a credential, revoke it and load it at \
     run time (QGIS authentication manager, plugin settings, environment). If it is not (a \
     checksum, an embedded icon, test data), mark the line with `# pragma: allowlist secret` \
     so that reviewers see it was checked. Example: \
     `ICON = 'iVBORw0KGgo...'  # pragma: allowlist secret`.",
);
pub const HEX_ENTROPY: SecretType = heuristic(
    "HexHighEntropyString",
    "Hex High Entropy String",
    "Random-looking hexadecimal string",
    Level::Warning,
    "A quoted hexadecimal string is random enough (Shannon entropy above 3.0) to be an API key \
     or a secret. Check what it is: if it is a credential, revoke it and let users supply their \
     own at run time. If it is a hash, a colour table or an identifier, mark the line with \
     `# pragma: allowlist secret`. Example: \
     `SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709'  # pragma: allowlist secret`.",
);
pub const IBM_CLOUD_IAM: SecretType = critical(
    "IbmCloudIamDetector",
    "IBM Cloud IAM Key",
    "IBM Cloud IAM API key",
    revoke!(
        "An IBM Cloud IAM API key acts as its owner on every IBM Cloud service.",
        "delete the key under Manage > Access (IAM) > API keys and read the user's own key \
         from the plugin settings."
    ),
);
pub const IBM_COS_HMAC: SecretType = critical(
    "IbmCosHmacDetector",
    "IBM COS HMAC Credentials",
    "IBM Cloud Object Storage HMAC key",
    revoke!(
        "An IBM Cloud Object Storage HMAC secret key gives access to the buckets of its \
         service credential.",
        "delete the service credential and create a new one that is not shipped in the \
         plugin."
    ),
);
pub const IP_PUBLIC: SecretType = heuristic(
    "IPPublicDetector",
    "Public IP (ipv4)",
    "Public IPv4 address",
    Level::Info,
    "A hard-coded public IP address can reveal infrastructure and breaks when the server moves. \
     Use a host name, or make the address a setting. Example: \
     `host = QgsSettings().value('myplugin/server', 'example.org')`.",
);
pub const JWT: SecretType = critical(
    "JwtTokenDetector",
    "JSON Web Token",
    "JSON Web Token",
    revoke!(
        "A JSON Web Token is a bearer credential: whoever holds it is authenticated until it \
         expires, and long-lived tokens rarely do.",
        "invalidate the token (rotate the signing key if needed) and obtain tokens at run \
         time through the service's login flow."
    ),
);
pub const KEYWORD: SecretType = heuristic(
    "KeywordDetector",
    "Secret Keyword",
    "Value assigned to a secret-sounding name",
    Level::Warning,
    "A literal value is assigned to (or compared with) a name such as `password`, `secret`, \
     `api_key` or `private_key`. If it is a real credential, change it and load it at run time \
     from the QGIS authentication manager or the plugin's settings. If it is a placeholder or \
     a setting's name, mark the line with `# pragma: allowlist secret`. Example: \
     `password = QgsSettings().value('myplugin/password', '')`.",
);
pub const MAILCHIMP: SecretType = critical(
    "MailchimpDetector",
    "Mailchimp Access Key",
    "Mailchimp API key",
    revoke!(
        "A Mailchimp API key gives access to the account's audiences and campaigns.",
        "disable the key in Mailchimp's account settings and read the user's key from the \
         plugin settings."
    ),
);
pub const NPM: SecretType = critical(
    "NpmDetector",
    "NPM tokens",
    "npm token",
    revoke!(
        "An npm `_authToken` lets its holder publish packages as you: a supply-chain risk for \
         every user of those packages.",
        "revoke the token with `npm token revoke`, then remove the `.npmrc` line and let CI \
         inject `NPM_TOKEN`."
    ),
);
pub const OPENAI: SecretType = critical(
    "OpenAIDetector",
    "OpenAI Token",
    "OpenAI API key",
    revoke!(
        "An OpenAI API key is billed to its owner and exposes the organisation's data.",
        "delete the key on the OpenAI platform and ask each user for their own key."
    ),
);
pub const PRIVATE_KEY: SecretType = critical(
    "PrivateKeyDetector",
    "Private Key",
    "Private key",
    "A private key (PEM, OpenSSH, PGP or PuTTY) was shipped in the plugin. Anyone can now \
     impersonate its owner, decrypt traffic or sign code with it. Treat it as compromised: \
     revoke the key or certificate and generate a new one that stays on the machine that needs \
     it. Never ship private keys; if the plugin needs a client certificate, let the user import \
     it into the QGIS authentication manager. Example: `ssh-keygen -t ed25519` on the server, \
     not in the plugin.",
);
pub const PYPI: SecretType = critical(
    "PypiTokenDetector",
    "PyPI Token",
    "PyPI upload token",
    revoke!(
        "A PyPI API token lets its holder upload releases of your packages: a supply-chain risk \
         for everyone who installs them.",
        "remove the token in PyPI's account settings and use trusted publishing from CI."
    ),
);
pub const SENDGRID: SecretType = critical(
    "SendGridDetector",
    "SendGrid API Key",
    "SendGrid API key",
    revoke!(
        "A SendGrid API key can send mail in your name, a gift to spammers and phishers.",
        "delete the key in SendGrid's settings and let the user configure their own."
    ),
);
pub const SLACK: SecretType = critical(
    "SlackDetector",
    "Slack Token",
    "Slack token or webhook",
    revoke!(
        "A Slack token (`xox...`) or incoming-webhook URL lets anyone read or post in the \
         workspace.",
        "revoke the token or regenerate the webhook, then read it from the plugin settings."
    ),
);
pub const SOFTLAYER: SecretType = critical(
    "SoftlayerDetector",
    "SoftLayer Credentials",
    "SoftLayer API key",
    revoke!(
        "A SoftLayer (IBM Cloud classic infrastructure) API key can order and delete servers \
         on the account.",
        "regenerate the API key in the IBM Cloud console and read it from the user's settings."
    ),
);
pub const SQUARE_OAUTH: SecretType = critical(
    "SquareOAuthDetector",
    "Square OAuth Secret",
    "Square OAuth secret",
    revoke!(
        "A Square OAuth application secret lets anyone act as your application towards \
         merchants.",
        "replace the secret in the Square developer dashboard and keep it on a server, never \
         in a client."
    ),
);
pub const STRIPE: SecretType = critical(
    "StripeDetector",
    "Stripe Access Key",
    "Stripe live secret key",
    revoke!(
        "A Stripe live secret or restricted key (`sk_live_`, `rk_live_`) moves real money.",
        "roll the key in the Stripe dashboard; client code may only hold publishable keys \
         (`pk_live_`)."
    ),
);
pub const TELEGRAM: SecretType = critical(
    "TelegramBotTokenDetector",
    "Telegram Bot Token",
    "Telegram bot token",
    revoke!(
        "A Telegram bot token lets anyone control the bot and read its messages.",
        "revoke it with @BotFather (`/revoke`) and load the new one from the plugin settings."
    ),
);
pub const TWILIO: SecretType = critical(
    "TwilioKeyDetector",
    "Twilio API Key",
    "Twilio account or API key",
    revoke!(
        "A Twilio account SID or API key, with its secret, sends SMS and places calls billed to \
         the account.",
        "delete the API key in the Twilio console and let users configure their own."
    ),
);

/// Every type, in detect-secrets' plugin order (alphabetical by module).
pub const SECRET_TYPES: [SecretType; 27] = [
    ARTIFACTORY,
    AWS,
    AZURE_STORAGE,
    BASIC_AUTH,
    CLOUDANT,
    DISCORD,
    GITHUB,
    GITLAB,
    BASE64_ENTROPY,
    HEX_ENTROPY,
    IBM_CLOUD_IAM,
    IBM_COS_HMAC,
    IP_PUBLIC,
    JWT,
    KEYWORD,
    MAILCHIMP,
    NPM,
    OPENAI,
    PRIVATE_KEY,
    PYPI,
    SENDGRID,
    SLACK,
    SOFTLAYER,
    SQUARE_OAUTH,
    STRIPE,
    TELEGRAM,
    TWILIO,
];

/// The rules, as [`validator_domain::Check::rules`] returns them.
pub static RULES: [RuleInfo; 27] = {
    let mut rules = [ARTIFACTORY.rule; 27];
    let mut i = 0;
    while i < SECRET_TYPES.len() {
        rules[i] = SECRET_TYPES[i].rule;
        i += 1;
    }
    rules
};

/// The type with this detect-secrets type name ("Secret Keyword").
pub fn by_type_name(name: &str) -> Option<&'static SecretType> {
    SECRET_TYPES.iter().find(|t| t.type_name == name)
}
