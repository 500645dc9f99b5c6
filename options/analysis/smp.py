"""
The Spatial Model of Politics (SMP) of KAPSARC's KTAB, as KTAB's command-line program `smpc`
runs it with its default parameters (KTAB's master branch since 2017), reproduced exactly: the
same input gives the same positions, round by round, and the same number of rounds.

A pure function, independent of Django: `smp_run(SMPInput(...))` returns the history of the
positions. The numerical kernel is options/analysis/smp_kernel.py; KTAB's CSV files are read and
written by options/analysis/ktab_csv.py; `manage.py run_smp FILE.csv` prints the history as JSON.

The input: n actors (at least 3), each with a capability c_i > 0 and, on each of m dimensions, a
position x_ik and a salience s_ik, both on KTAB's 0–100 scale, the saliences of an actor adding
up to at most 100. As KTAB does, positions and saliences are divided by 100 inside the model,
and the positions multiplied by 100 again on the way out.

A state is where every actor stands. An actor judges positions from its ideal point, which under
smpc's defaults (an identity accommodation matrix) is its current position. A round goes from one
state to the next (SMPState::stepBCN, SMPState::doBCN):

1. Distances (SMPState::setVDiff, SMPModel::bvDiff): d(a, b) is the salience-weighted distance
   from a's position to b's, sqrt(Σ_k s_ak² (x_ak − x_bk)² / Σ_k s_ak²), in [0, 1]. The utility
   of b's position to a is u = (1 − d)(1 + d·R_a) (SMPModel::bsUtil), R_a being a's risk
   attitude, −1/2 (risk-seeking) to 1 (risk-averse).
2. Risk attitudes (SMPState::setAllAUtil, Model::bigRfromProb): with everyone risk neutral
   (R = 0), every actor votes between every two actors' positions with its capability times the
   difference in utility (proportional voting, Model::vote); the votes make the coalitions
   (Model::coalitions); coalition i against j wins with probability c_ij / (c_ij + c_ji) (linear
   victory probability, Model::vProb); a position's probability is the chance that it beats all
   others, normalised (conditional PCE, Model::condPCE). Then
   R_i = (3 p_i − p_max − 2 p_min) / (2 (p_max − p_min)): the most likely position's actor is
   the most risk-averse. Actor h believes i's risk attitude to be (2 R_h + R_i) / 3 (OneThird,
   Model::estNRA), and aUtil[h](a, b) is h's estimate of a's utility for b's position.
3. Challenges (SMPState::bestChallengeUtils, probEduChlg, bestChallenge): each actor i weighs,
   from its own point of view, a challenge to every other actor j. i and j vote for their own
   positions with weight (sum of saliences × capability); every third party n then joins i or j,
   whichever promises it more (Actor::thirdPartyVoteSU, semi-committed: if its side wins, it
   keeps its own position), given the odds that i and j alone give it (Actor::vProbLittle). The
   final coalitions give P, the probability that i beats j. With S_j the sum of j's saliences
   (the chance that j resists rather than gives in), i's expected gain is
   (1 − S_j)·2u_ii + S_j·(P·2u_ii + (1 − P)·2u_ij) − (u_ii + u_ij). i challenges the j with the
   largest gain if that gain exceeds 1e-5 (the first j on a tie).
4. Bargains (SMPActor::interpolateBrgn, S2P2, InitOnlyInterp): i proposes a bargain to j. On
   each dimension both move to a weighted mean of their two positions, with weights
   s_ik² P² for i and s_jk² (1 − P)² for j, and 1e-6 more for the actor's own position; each
   coordinate is rounded to 4 decimals (0.01 on the 0–100 scale).
5. Moves (SMPState::updateBestBrgnPositions): each actor k has its bargains in a list: the status
   quo, the one it proposed, those proposed to it, in the order they were made (initiators in
   order). A bargain's value to an actor is its average utility over all actors' positions, with
   the bargain's two positions in place (the status quo: all unchanged). A PCE among all actors,
   voting with their capabilities, gives each bargain a probability; k takes the most probable
   (deterministic transitions; the first on a tie) and moves to its position in it.

The stopping rule (smpStopFn, with SMPModel::configExec's parameters): after round t ≥ 2, stop
when the movement of round t — the sum over actors of the Euclidean distance each moved, on the
0–1 scale — is less than 2 % of the first round's movement plus 1e-4; stop anyway after 100
rounds. The history has t + 1 states: state 0 is the input.

No random number is drawn. Where KTAB would stop with an error (its own checks, e.g. a
capability of 0), SMPError (a ValueError) says which, with KTAB's message.

KTAB (KAPSARC/KTAB on GitHub, MIT licence) files followed: examples/smp/libsrc/smp.cpp,
smpbcn.cpp and smpread.cpp, examples/smp/src/demosmp.cpp, KTAB/kmodel/libsrc/kmodel.cpp and
kstate.cpp, KTAB/kutils/libsrc/kmatrix.cpp and kutils.cpp. The options that smpc takes from an
XML scenario (voting rule, victory model, PCE, risk range and adjustment, third-party commitment,
interpolation) are the enums below, smpc's defaults by default; stochastic transitions and the
InitRcvrInterp and PWCompInterp bargain models are not implemented.
"""

import importlib.util
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


def _load_sibling(name: str):
    """The kernel module, when this file is loaded by its path outside the package."""
    key = f"_ktab_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


if __package__:
    from options.analysis import smp_kernel as kernel
else:  # loaded by path, e.g. to use the model without the project
    kernel = _load_sibling("smp_kernel")

SMPError = kernel.SMPError
VotingRule = kernel.VotingRule
VPModel = kernel.VPModel
PCEModel = kernel.PCEModel
ThirdPartyCommit = kernel.ThirdPartyCommit
BigRRange = kernel.BigRRange
BigRAdjust = kernel.BigRAdjust
InterVecBrgn = kernel.InterVecBrgn

MIN_ACTORS = 3  # Model::minNumActor
SCALE = 100.0  # KTAB's input and output scale; the model works on 0–1


@dataclass(frozen=True)
class SMPInput:
    """A scenario, on KTAB's 0–100 scale: positions[actor][dimension] and saliences likewise
    (an actor's saliences add up to at most 100), a capability (> 0) per actor."""

    actors: Sequence[str]
    dimensions: Sequence[str]
    capabilities: Sequence[float]
    positions: Sequence[Sequence[float]]
    saliences: Sequence[Sequence[float]]
    name: str = ""
    description: str = ""
    actor_descriptions: Sequence[str] = ()

    def __post_init__(self):
        for name in ("actors", "dimensions", "capabilities", "actor_descriptions"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in ("positions", "saliences"):
            object.__setattr__(self, name, tuple(tuple(row) for row in getattr(self, name)))


@dataclass(frozen=True)
class SMPParameters:
    """The model's options; the defaults are smpc's (SMPModel and Model's initial values, and
    SMPModel::configExec's stopping rule)."""

    voting_rule: VotingRule = VotingRule.PROPORTIONAL
    victory_model: VPModel = VPModel.LINEAR
    pce_model: PCEModel = PCEModel.CONDITIONAL
    risk_range: BigRRange = BigRRange.MID
    risk_adjust: BigRAdjust = BigRAdjust.ONE_THIRD
    third_party: ThirdPartyCommit = ThirdPartyCommit.SEMI_COMMIT
    interpolation: InterVecBrgn = InterVecBrgn.S2P2
    min_rounds: int = 2
    max_rounds: int = 100
    min_delta_ratio: float = 0.02
    min_sig_delta: float = 1e-4


@dataclass(frozen=True)
class SMPHistory:
    """The positions in every state, positions[state][actor][dimension] on the 0–100 scale;
    state 0 is the input, so there are rounds + 1 states."""

    actors: tuple[str, ...]
    dimensions: tuple[str, ...]
    rounds: int
    positions: list[list[list[float]]] = field(repr=False)

    def as_dict(self) -> dict:
        """The JSON shape of KTAB's reference runs (tests/data/ktab/README.md)."""
        return {
            "actors": list(self.actors),
            "dimensions": list(self.dimensions),
            "rounds": self.rounds,
            "positions": self.positions,
        }


def model_arrays(scenario: SMPInput) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Capabilities, positions and saliences as the model uses them (the last two on 0–1),
    checked as KTAB checks them, or ValueError."""
    n, m = len(scenario.actors), len(scenario.dimensions)
    if n < MIN_ACTORS:
        raise SMPError(f"KTAB's SMP needs at least {MIN_ACTORS} actors, not {n}.")
    if m < 1:
        raise SMPError("KTAB's SMP needs at least one dimension.")
    caps = np.asarray(scenario.capabilities, dtype=float)
    pos = np.asarray(scenario.positions, dtype=float)
    sal = np.asarray(scenario.saliences, dtype=float)
    if caps.shape != (n,) or pos.shape != (n, m) or sal.shape != (n, m):
        raise SMPError(f"Expected {n} capabilities and {n}×{m} positions and saliences.")
    for what, values, low, high in (
        ("capability", caps, 0.0, 1e8),
        ("position", pos, 0.0, SCALE),
        ("salience", sal, 0.0, SCALE),
    ):
        bad = ~((low <= values) & (values <= high))
        if bad.any():
            actor = scenario.actors[np.argwhere(bad)[0][0]]
            raise SMPError(f"{actor}: a {what} must be within [{low:g}, {high:g}].")
    pos, sal = pos / SCALE, sal / SCALE
    sal_sum = kernel.ordered_sum(sal, axis=1)
    for i in range(n):
        if not caps[i] > 0:
            raise SMPError(f"{scenario.actors[i]}: a capability must be positive (Model::vote).")
        if not 0 < sal_sum[i] <= 1:
            raise SMPError(
                f"{scenario.actors[i]}: the saliences must add up to more than 0 and at most "
                "100 (SMPState::probEduChlg: sj must be in the range (0, 1])."
            )
    return caps, pos, sal


def state_setup(pos, sal, caps, params: SMPParameters) -> tuple[np.ndarray, np.ndarray]:
    """SMPState::setAllAUtil: the distances d(a, b) and the risk attitudes R_a of a state, with
    KTAB's checks that the risk attitudes change the utilities at all."""
    distance = kernel.weighted_distances(pos, sal, pos)
    neutral = kernel.bs_util(distance, 0.0)
    strength = kernel.coalitions(params.voting_rule, caps, neutral)
    prob = kernel.pce(params.pce_model, params.victory_model, strength)
    risk = kernel.big_r_from_prob(prob, params.risk_range)
    aware = kernel.bs_util(distance, risk[:, None])
    tolerance = kernel.UTILITY_CHANGE_TOLERANCE
    if tolerance >= np.sqrt(kernel.ordered_sum(((neutral - aware) ** 2).ravel())):
        raise SMPError("SMPState::setAllAUtil: utility values not in valid range")
    # h's estimates differ from the actors' own by (1 − d) d (r_hi − R_i): their norm, by h
    spread = kernel.ordered_sum(((1 - distance) * distance) ** 2, axis=1)
    estimated = kernel.est_nra(risk[:, None], risk[None, :], params.risk_adjust)
    if np.any(tolerance >= np.sqrt(((estimated - risk[None, :]) ** 2) @ spread)):
        raise SMPError("SMPState::setAllAUtil: Estimate of change in utility by h out of range")
    return distance, risk


def propose_bargains(pos, sal, caps, distance, risk, params: SMPParameters):
    """SMPState::doBCN(i) for every actor i in order: each actor's best challenge, if any, and
    the bargain it proposes. Returns the bargains (initiator, receiver, initiator's position,
    receiver's position) and, for each actor, the list of its bargains (None: the status quo)."""
    n = len(pos)
    sal_sum = kernel.ordered_sum(sal, axis=1)
    weight = sal_sum * caps
    bargains, options = [], [[] for _ in range(n)]
    for i in range(n):
        options[i].append(None)
        util = kernel.bs_util(distance, kernel.est_nra(risk[i], risk, params.risk_adjust)[:, None])
        prob, gain = kernel.challenges_by(i, util, weight, sal_sum, params)
        j = kernel.best_challenge(i, gain)
        if j is None:
            continue
        pos_i, pos_j = kernel.interpolate_bargain(
            pos[i], sal[i], prob[j], pos[j], sal[j], 1 - prob[j], params.interpolation
        )
        options[i].append(len(bargains))
        options[j].append(len(bargains))
        bargains.append((i, j, pos_i, pos_j))
    return bargains, options


def choose_moves(pos, sal, caps, distance, risk, bargains, options, params: SMPParameters):
    """SMPState::updateBestBrgnPositions for every actor: the positions of the next state."""
    n = len(pos)
    own = kernel.bs_util(distance, kernel.est_nra(risk, risk, params.risk_adjust)[:, None])
    status_quo = kernel.ordered_sum(own.T, axis=0) / n
    values = []
    if bargains:
        ends = [np.array([b[e] for b in bargains]) for e in (2, 3)]
        u_init, u_rcvr = (
            kernel.bs_util(kernel.weighted_distances(pos, sal, e), risk[:, None]) for e in ends
        )
        values = [
            kernel.bargain_utilities(own, u_init[:, b], u_rcvr[:, b], init, rcvr)
            for b, (init, rcvr, _, _) in enumerate(bargains)
        ]
    new = pos.copy()
    for k in range(n):
        if len(options[k]) == 1:  # the status quo alone
            continue
        utils = np.stack([status_quo if b is None else values[b] for b in options[k]], axis=1)
        if np.any(0.0 >= utils) or np.any(utils > 1.0):
            raise SMPError("SMPState::updateBestBrgnPositions: uAvrg out of (0, 1]")
        chosen = options[k][kernel.choose_bargain(params, caps, utils)]
        if chosen is not None:
            init, _, pos_init, pos_rcvr = bargains[chosen]
            new[k] = pos_init if k == init else pos_rcvr
    return new


def state_distance(a: np.ndarray, b: np.ndarray) -> float:
    """SMPModel::stateDist: the sum over actors of the Euclidean distance between two states."""
    moved = np.sqrt(kernel.ordered_sum((a - b) * (a - b), axis=1))
    return float(kernel.ordered_sum(moved))


def should_stop(history: list[np.ndarray], rounds: int, params: SMPParameters) -> bool:
    """smpStopFn: enough rounds and little movement compared with the first round, or too many
    rounds."""
    first = state_distance(history[0], history[1]) + params.min_sig_delta
    last = state_distance(history[rounds], history[rounds - 1])
    quiet = last / first < params.min_delta_ratio
    return params.max_rounds <= rounds or (params.min_rounds <= rounds and quiet)


def smp_run(scenario: SMPInput, params: SMPParameters | None = None) -> SMPHistory:
    """Run the SMP on a scenario until the stopping rule says so (Model::run), with smpc's
    parameters unless told otherwise."""
    params = params or SMPParameters()
    caps, pos, sal = model_arrays(scenario)
    history = [pos]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        distance, risk = state_setup(pos, sal, caps, params)
        rounds = 0
        while True:
            rounds += 1
            bargains, options = propose_bargains(pos, sal, caps, distance, risk, params)
            pos = choose_moves(pos, sal, caps, distance, risk, bargains, options, params)
            history.append(pos)
            distance, risk = state_setup(pos, sal, caps, params)  # KTAB sets up every state
            if should_stop(history, rounds, params):
                break
    return SMPHistory(
        actors=tuple(scenario.actors),
        dimensions=tuple(scenario.dimensions),
        rounds=rounds,
        positions=[(state * SCALE).tolist() for state in history],
    )
