//! `csrs`, `offers` and `desk` (0.2): the support desk, scoped to the
//! plugin's site. The rules live with the desk (`crate::desk`); here the
//! calls are only taken off the plugin's time budget, and a waiting
//! session is tied to the public command being handled.

use super::off_the_clock;
use crate::plugin_host::services::{
    CsrPresence, CsrsError, DeskError, OfferDetails, OfferError, WaitingSession,
};
use crate::plugin_host::state::PluginState;

pub async fn presence(state: &mut PluginState) -> Result<Vec<CsrPresence>, CsrsError> {
    let ctx = &state.context;
    off_the_clock(&mut state.budget, ctx.desk.presence(&ctx.scope)).await
}

pub async fn csr(state: &mut PluginState, username: String) -> Result<CsrPresence, CsrsError> {
    let ctx = &state.context;
    off_the_clock(&mut state.budget, ctx.desk.csr(&ctx.scope, &username)).await
}

pub async fn send_to_csr(
    state: &mut PluginState,
    username: String,
    message: String,
) -> Result<(), CsrsError> {
    let ctx = &state.context;
    off_the_clock(
        &mut state.budget,
        ctx.desk.send_to_csr(&ctx.scope, &username, message),
    )
    .await
}

pub async fn make_offer(
    state: &mut PluginState,
    to: Vec<String>,
    details: OfferDetails,
) -> Result<u32, OfferError> {
    let ctx = &state.context;
    off_the_clock(
        &mut state.budget,
        ctx.desk.make_offer(&ctx.scope, to, details),
    )
    .await
}

pub async fn withdraw_offer(
    state: &mut PluginState,
    offer: u32,
    reason: String,
) -> Result<(), OfferError> {
    let ctx = &state.context;
    off_the_clock(
        &mut state.budget,
        ctx.desk.withdraw_offer(&ctx.scope, offer, reason),
    )
    .await
}

pub async fn open_waiting(
    state: &mut PluginState,
    display_name: String,
) -> Result<WaitingSession, DeskError> {
    let ctx = &state.context;
    let caller = ctx.public_caller.as_deref();
    off_the_clock(
        &mut state.budget,
        ctx.desk.open_waiting(&ctx.scope, caller, &display_name),
    )
    .await
}

pub async fn hand_over(
    state: &mut PluginState,
    session: String,
    username: String,
) -> Result<String, DeskError> {
    let ctx = &state.context;
    off_the_clock(
        &mut state.budget,
        ctx.desk.hand_over(&ctx.scope, &session, &username),
    )
    .await
}
