//! The one place that says which command covers each API operation (v1 and v2). Tests check it against the clap
//! tree and against `openapi/*.yaml`, so a new operation without a command fails the build's tests.

/// Which API an operation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    V1,
    V2,
}

/// `(version, operationId, command path)`. The command path is the words after `chatbase`; flags that select the
/// variant are written after a `--` marker (e.g. `sources create -- --file`) and are checked to exist too.
pub const OPERATIONS: &[(ApiVersion, &str, &str)] = &[
    // v2
    (ApiVersion::V2, "getHealth", "health"),
    (ApiVersion::V2, "listAgents", "agents list"),
    (ApiVersion::V2, "createAgent", "agents create"),
    (ApiVersion::V2, "getAgent", "agents get"),
    (ApiVersion::V2, "updateAgent", "agents update"),
    (ApiVersion::V2, "deleteAgent", "agents delete"),
    (ApiVersion::V2, "updateAgentStyles", "agents styles"),
    (
        ApiVersion::V2,
        "updateAgentAutoRetrain",
        "agents auto-retrain",
    ),
    (ApiVersion::V2, "cloneAgent", "agents clone"),
    (ApiVersion::V2, "trainAgent", "agents train"),
    (ApiVersion::V2, "chatWithAgent", "chat"),
    (ApiVersion::V2, "retryMessage", "chat retry"),
    (ApiVersion::V2, "createVoiceSession", "voice start"),
    (ApiVersion::V2, "listConversations", "conversations list"),
    (
        ApiVersion::V2,
        "exportConversations",
        "conversations export",
    ),
    (ApiVersion::V2, "getConversation", "conversations get"),
    (ApiVersion::V2, "updateConversation", "conversations pause"),
    (ApiVersion::V2, "listConversationMessages", "messages list"),
    (
        ApiVersion::V2,
        "listUserConversations",
        "users conversations",
    ),
    (ApiVersion::V2, "updateMessageFeedback", "messages feedback"),
    (
        ApiVersion::V2,
        "submitToolResult",
        "conversations tool-result",
    ),
    (ApiVersion::V2, "getSourcesSummary", "sources summary"),
    (ApiVersion::V2, "listSources", "sources list"),
    (ApiVersion::V2, "createSource", "sources create -- --type"),
    (ApiVersion::V2, "getSource", "sources get"),
    (
        ApiVersion::V2,
        "updateSource",
        "sources update -- --content",
    ),
    (ApiVersion::V2, "deleteSource", "sources delete"),
    (ApiVersion::V2, "restoreSource", "sources restore"),
    (
        ApiVersion::V2,
        "listWhatsAppTemplates",
        "whatsapp templates",
    ),
    (
        ApiVersion::V2,
        "sendWhatsAppTemplateMessage",
        "whatsapp send-template",
    ),
    (ApiVersion::V2, "listTicketStatuses", "helpdesk statuses"),
    (ApiVersion::V2, "listHelpdeskTeams", "helpdesk teams"),
    (ApiVersion::V2, "listTickets", "tickets list"),
    (ApiVersion::V2, "createTicket", "tickets create"),
    (ApiVersion::V2, "searchTickets", "tickets search"),
    (ApiVersion::V2, "getTicket", "tickets get"),
    (ApiVersion::V2, "updateTicket", "tickets update"),
    (ApiVersion::V2, "listTicketMessages", "tickets messages"),
    (ApiVersion::V2, "createTicketMessage", "tickets reply"),
    (
        ApiVersion::V2,
        "createFileSource",
        "sources create -- --file",
    ),
    (
        ApiVersion::V2,
        "updateFileSource",
        "sources update -- --file",
    ),
    // v1
    (ApiVersion::V1, "chat", "v1 chat"),
    (ApiVersion::V1, "createChatbot", "v1 chatbots create"),
    (ApiVersion::V1, "listChatbots", "v1 chatbots list"),
    (ApiVersion::V1, "listConversations", "v1 conversations list"),
    (ApiVersion::V1, "listLeads", "v1 leads list"),
    (ApiVersion::V1, "deleteChatbot", "v1 chatbots delete"),
    (
        ApiVersion::V1,
        "updateChatbotData",
        "v1 chatbots update-data",
    ),
    (
        ApiVersion::V1,
        "updateChatbotSettings",
        "v1 chatbots update-settings",
    ),
    (
        ApiVersion::V1,
        "uploadChatbotIcon",
        "v1 chatbots upload-icon",
    ),
    (
        ApiVersion::V1,
        "uploadChatbotProfilePicture",
        "v1 chatbots upload-picture",
    ),
    (
        ApiVersion::V1,
        "deleteChatbotIcon",
        "v1 chatbots delete-icon",
    ),
    (
        ApiVersion::V1,
        "deleteChatbotProfilePicture",
        "v1 chatbots delete-picture",
    ),
    (ApiVersion::V1, "listContacts", "v1 contacts list"),
    (ApiVersion::V1, "createContacts", "v1 contacts create"),
    (ApiVersion::V1, "getContact", "v1 contacts get"),
    (ApiVersion::V1, "updateContact", "v1 contacts update"),
    (ApiVersion::V1, "deleteContact", "v1 contacts delete"),
    (ApiVersion::V1, "listCustomAttributes", "v1 attributes list"),
    (
        ApiVersion::V1,
        "createCustomAttribute",
        "v1 attributes create",
    ),
    (
        ApiVersion::V1,
        "updateCustomAttribute",
        "v1 attributes update",
    ),
];

/// The command covering an operation, if any.
pub fn command_for(version: ApiVersion, operation_id: &str) -> Option<&'static str> {
    OPERATIONS
        .iter()
        .find(|(v, id, _)| *v == version && *id == operation_id)
        .map(|(_, _, cmd)| *cmd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::CommandFactory;
    use std::collections::HashSet;
    use std::path::PathBuf;

    fn find_command<'a>(root: &'a clap::Command, path: &str) -> Result<&'a clap::Command, String> {
        let (words, flags) = match path.split_once(" -- ") {
            Some((w, f)) => (w, f),
            None => (path, ""),
        };
        let mut cmd = root;
        for word in words.split_whitespace() {
            cmd = cmd
                .find_subcommand(word)
                .ok_or_else(|| format!("`{path}`: no subcommand `{word}`"))?;
        }
        for flag in flags.split_whitespace() {
            let long = flag.trim_start_matches("--");
            if !cmd.get_arguments().any(|a| a.get_long() == Some(long)) {
                return Err(format!("`{path}`: no flag `{flag}`"));
            }
        }
        Ok(cmd)
    }

    #[test]
    fn every_mapped_command_exists_in_the_cli() {
        let root = Cli::command();
        for (_, id, path) in OPERATIONS {
            if let Err(e) = find_command(&root, path) {
                panic!("{id}: {e}");
            }
        }
    }

    #[test]
    fn operation_ids_are_unique_per_version() {
        let mut seen = HashSet::new();
        for (v, id, _) in OPERATIONS {
            assert!(seen.insert((*v, *id)), "{id} is mapped twice");
        }
        assert_eq!(
            OPERATIONS
                .iter()
                .filter(|(v, ..)| *v == ApiVersion::V2)
                .count(),
            41
        );
        assert_eq!(
            OPERATIONS
                .iter()
                .filter(|(v, ..)| *v == ApiVersion::V1)
                .count(),
            20
        );
    }

    /// The spec's operation ids. A spec that is missing or does not parse fails the test: a
    /// coverage check that skips itself would pass while checking nothing.
    fn spec_operation_ids(file: &str) -> Vec<String> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../openapi")
            .join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        let mut ids = Vec::new();
        for (_, item) in doc["paths"].as_mapping().unwrap() {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(id) = item.get(method).and_then(|op| op.get("operationId")) {
                    ids.push(id.as_str().unwrap().to_owned());
                }
            }
        }
        assert!(!ids.is_empty(), "{} lists no operations", path.display());
        ids
    }

    fn check_spec(file: &str, version: ApiVersion) {
        let ids = spec_operation_ids(file);
        let missing: Vec<_> = ids
            .iter()
            .filter(|id| command_for(version, id).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "operations in openapi/{file} without a command: {missing:?}"
        );
        let stale: Vec<_> = OPERATIONS
            .iter()
            .filter(|(v, id, _)| *v == version && !ids.iter().any(|s| s == id))
            .map(|(_, id, _)| id)
            .collect();
        assert!(
            stale.is_empty(),
            "mapped operations not in openapi/{file}: {stale:?}"
        );
    }

    #[test]
    fn every_v2_operation_in_the_spec_has_a_command() {
        check_spec("chatbase-v2.yaml", ApiVersion::V2);
    }

    #[test]
    fn every_v1_operation_in_the_spec_has_a_command() {
        check_spec("chatbase-v1.yaml", ApiVersion::V1);
    }
}
