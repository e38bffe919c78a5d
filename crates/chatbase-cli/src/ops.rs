//! The one place that says which command covers each API operation (v1 and v2): an exhaustive `match` on the
//! generated [`OperationId`], so an operation added to `openapi/` fails to compile until it has a command. A test
//! checks each command path against the clap tree.

use chatbase::operations::OperationId;

/// The command covering an operation: the words after `chatbase`; flags that select the variant are written after a
/// `--` marker (e.g. `sources create -- --file`) and are checked to exist too.
pub const fn command_for(id: OperationId) -> &'static str {
    match id {
        OperationId::V2GetHealth => "health",
        OperationId::V2ListAgents => "agents list",
        OperationId::V2CreateAgent => "agents create",
        OperationId::V2GetAgent => "agents get",
        OperationId::V2UpdateAgent => "agents update",
        OperationId::V2DeleteAgent => "agents delete",
        OperationId::V2UpdateAgentStyles => "agents styles",
        OperationId::V2UpdateAgentAutoRetrain => "agents auto-retrain",
        OperationId::V2CloneAgent => "agents clone",
        OperationId::V2TrainAgent => "agents train",
        OperationId::V2ChatWithAgent => "chat",
        OperationId::V2RetryMessage => "chat retry",
        OperationId::V2CreateVoiceSession => "voice start",
        OperationId::V2ListConversations => "conversations list",
        OperationId::V2ExportConversations => "conversations export",
        OperationId::V2GetConversation => "conversations get",
        OperationId::V2UpdateConversation => "conversations pause",
        OperationId::V2ListConversationMessages => "messages list",
        OperationId::V2ListUserConversations => "users conversations",
        OperationId::V2UpdateMessageFeedback => "messages feedback",
        OperationId::V2SubmitToolResult => "conversations tool-result",
        OperationId::V2GetSourcesSummary => "sources summary",
        OperationId::V2ListSources => "sources list",
        OperationId::V2CreateSource => "sources create -- --type",
        OperationId::V2GetSource => "sources get",
        OperationId::V2UpdateSource => "sources update -- --content",
        OperationId::V2DeleteSource => "sources delete",
        OperationId::V2RestoreSource => "sources restore",
        OperationId::V2ListWhatsAppTemplates => "whatsapp templates",
        OperationId::V2SendWhatsAppTemplateMessage => "whatsapp send-template",
        OperationId::V2ListTicketStatuses => "helpdesk statuses",
        OperationId::V2ListHelpdeskTeams => "helpdesk teams",
        OperationId::V2ListTickets => "tickets list",
        OperationId::V2CreateTicket => "tickets create",
        OperationId::V2SearchTickets => "tickets search",
        OperationId::V2GetTicket => "tickets get",
        OperationId::V2UpdateTicket => "tickets update",
        OperationId::V2ListTicketMessages => "tickets messages",
        OperationId::V2CreateTicketMessage => "tickets reply",
        OperationId::V2CreateFileSource => "sources create -- --file",
        OperationId::V2UpdateFileSource => "sources update -- --file",
        OperationId::V1Chat => "v1 chat",
        OperationId::V1CreateChatbot => "v1 chatbots create",
        OperationId::V1ListChatbots => "v1 chatbots list",
        OperationId::V1ListConversations => "v1 conversations list",
        OperationId::V1ListLeads => "v1 leads list",
        OperationId::V1DeleteChatbot => "v1 chatbots delete",
        OperationId::V1UpdateChatbotData => "v1 chatbots update-data",
        OperationId::V1UpdateChatbotSettings => "v1 chatbots update-settings",
        OperationId::V1UploadChatbotIcon => "v1 chatbots upload-icon",
        OperationId::V1UploadChatbotProfilePicture => "v1 chatbots upload-picture",
        OperationId::V1DeleteChatbotIcon => "v1 chatbots delete-icon",
        OperationId::V1DeleteChatbotProfilePicture => "v1 chatbots delete-picture",
        OperationId::V1ListContacts => "v1 contacts list",
        OperationId::V1CreateContacts => "v1 contacts create",
        OperationId::V1GetContact => "v1 contacts get",
        OperationId::V1UpdateContact => "v1 contacts update",
        OperationId::V1DeleteContact => "v1 contacts delete",
        OperationId::V1ListCustomAttributes => "v1 attributes list",
        OperationId::V1CreateCustomAttribute => "v1 attributes create",
        OperationId::V1UpdateCustomAttribute => "v1 attributes update",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::CommandFactory;

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
        assert_eq!(OperationId::ALL.len(), 61);
        for &id in OperationId::ALL {
            if let Err(e) = find_command(&root, command_for(id)) {
                panic!("{} {}: {e}", id.version().as_str(), id.operation_id());
            }
        }
    }

    #[test]
    fn a_missing_command_or_flag_is_reported() {
        let root = Cli::command();
        assert!(find_command(&root, "agents nope").is_err());
        assert!(find_command(&root, "sources create -- --nope").is_err());
        assert!(find_command(&root, "sources create -- --file").is_ok());
    }
}
